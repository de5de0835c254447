"""Teams (schema 17): which assessors a team manager sees in the console, and allocates to.

An assessor is in one team or none (`Teams.add` moves them); a team manager's account is in
one team (`Accounts.create` with ``team``, `Accounts.set_team`). A team is known by the name
IT gives it, in any case. Each change writes the audit log in the transaction that makes it.
What a team manager sees is read by team on each request (`Store.assessors`, `allocations`,
`allocate` and `oversight`'s ``team`` arguments), so a move shows at their next page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sync.gateway.accounts import Role, team_named, write_audit
from sync.gateway.store import Store

__all__ = ["MAX_TEAM_NAME", "Team", "TeamError", "Teams"]

MAX_TEAM_NAME = 64


class TeamError(ValueError):
    """A team cannot be made or joined as asked; the message says what to do."""


@dataclass(frozen=True)
class Team:
    """A team as IT lists it."""

    name: str
    created_at: str
    assessors: tuple[tuple[str, str], ...]
    """(id, name) of each assessor in it, by name."""
    managers: tuple[str, ...]
    """The usernames of the team managers' accounts in it."""


class Teams:
    """The gateway's teams over `store` (migrated to schema 17 or later)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, name: str, now: dt.datetime, actor: str) -> str:
        """Make a team; its name as kept (spaces run together).

        Raises:
            TeamError: The name is empty, too long, or taken (in any case).
        """
        tidy = " ".join(name.split())
        if not tidy or len(tidy) > MAX_TEAM_NAME or not tidy.isprintable():
            raise TeamError(
                f"A team's name is 1 to {MAX_TEAM_NAME} characters, such as 'North locality'."
            )
        with self.store.transaction() as tx:
            taken = team_named(tx, tidy)
            if taken is not None:
                raise TeamError(f"There is already a team '{taken}'; choose another name.")
            tx.execute("INSERT INTO team (name, created_at) VALUES (?, ?)", (tidy, now.isoformat()))
            write_audit(tx, now, actor, "team created", tidy, "")
        return tidy

    def teams(self) -> list[Team]:
        """Every team, by name, with its assessors and managers."""
        with self.store.transaction() as tx:
            teams = tx.execute("SELECT name, created_at FROM team ORDER BY name").fetchall()
            members = tx.execute(
                "SELECT team, id, name FROM assessor WHERE team IS NOT NULL ORDER BY name, id"
            ).fetchall()
            managers = tx.execute(
                "SELECT team, username FROM console_account WHERE team IS NOT NULL AND role = ? "
                "ORDER BY username",
                (Role.TEAM_MANAGER.value,),
            ).fetchall()
        return [
            Team(
                str(name),
                str(created),
                tuple((str(m[1]), str(m[2])) for m in members if m[0] == name),
                tuple(str(m[1]) for m in managers if m[0] == name),
            )
            for name, created in teams
        ]

    def add(self, assessor_id: str, team: str, now: dt.datetime, actor: str) -> tuple[str, str]:
        """Put an assessor in `team`, moving them from any other; (their name, the team's).

        Their caseload moves with them: the people on it are the new team's to allocate.

        Raises:
            TeamError: No such assessor, or no such team.
        """
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT name, team FROM assessor WHERE id = ?", (assessor_id,)
            ).fetchone()
            if row is None:
                raise TeamError(
                    f"There is no assessor {assessor_id}; 'assessor-gateway devices' and the "
                    "console's Enrolment codes page show the assessors' ids."
                )
            found = team_named(tx, team)
            if found is None:
                raise TeamError(
                    f"There is no team '{' '.join(team.split())}'; make it first with "
                    "'assessor-gateway team create NAME', or see 'team list'."
                )
            if row[1] != found:
                tx.execute("UPDATE assessor SET team = ? WHERE id = ?", (found, assessor_id))
                before = f"from {row[1]}" if row[1] else "from no team"
                write_audit(
                    tx,
                    now,
                    actor,
                    "assessor moved to team",
                    assessor_id,
                    f"{row[0]}: {found} ({before})",
                )
        return str(row[0]), found
