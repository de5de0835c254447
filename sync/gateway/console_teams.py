"""The console's Teams page: IT makes teams and puts assessors in them (as the CLI's ``team``).

Each change goes through `teams.Teams`, which writes the audit log with it. IT administrators
change teams; auditors see them (`console.ALLOWED`). Managers' accounts are given their team
on the command line (``console-account create --team``, ``set-team``), as accounts are made.
"""

from __future__ import annotations

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response

from sync.gateway.console import ALLOWED, ConsoleKit, SignedIn
from sync.gateway.store import Store
from sync.gateway.teams import MAX_TEAM_NAME, TeamError, Teams

__all__ = ["add_team_pages"]


def add_team_pages(app: FastAPI, kit: ConsoleKit, store: Store) -> None:
    """Serve the Teams page and its two forms from `app`, as `kit` serves pages."""
    teams = Teams(store)

    def teams_page(
        signed: SignedIn,
        *,
        status: int = 200,
        errors: dict[str, str] | None = None,
        done: str = "",
        **form: str,
    ) -> HTMLResponse:
        listed = teams.teams()
        placed = {a for team in listed for a, _ in team.assessors}
        return kit.page(
            "teams.html",
            signed,
            status=status,
            current="teams",
            teams=listed,
            assessors=store.assessors(),
            outside=[a for a in store.assessors() if a[0] not in placed],
            can_change=signed.account.role in ALLOWED["teams-change"],
            errors=errors or {},
            form={"name": "", "assessor": "", "team": "", **form},
            done=done,
            most=MAX_TEAM_NAME,
        )

    @app.get("/console/teams", include_in_schema=False)
    def teams_view(request: Request) -> Response:
        signed = kit.signed_in(request)
        kit.may(signed, "teams")
        return teams_page(signed)

    @app.post("/console/teams", include_in_schema=False)
    def create_team(request: Request, name: str = Form(""), csrf: str = Form("")) -> Response:
        signed = kit.posted(request, csrf, "teams-change")
        try:
            made = teams.create(name, kit.clock(), signed.account.username)
        except TeamError as e:
            return teams_page(signed, status=400, errors={"name": str(e)}, name=name)
        return teams_page(signed, done=f"Team {made} is made. Put its assessors in it below.")

    @app.post("/console/teams/members", include_in_schema=False)
    def add_member(
        request: Request, assessor: str = Form(""), team: str = Form(""), csrf: str = Form("")
    ) -> Response:
        signed = kit.posted(request, csrf, "teams-change")
        errors = {}
        if not assessor or store.assessor_name(assessor) is None:
            errors["assessor"] = "Choose the assessor to put in a team."
        if not team:
            errors["team"] = "Choose the team they join."
        if not errors:
            try:
                who, joined = teams.add(assessor, team, kit.clock(), signed.account.username)
            except TeamError as e:
                errors["team"] = str(e)
        if errors:
            return teams_page(signed, status=400, errors=errors, assessor=assessor, team=team)
        return teams_page(
            signed,
            done=f"{who} is in team {joined}: its manager sees their laptops, queue and records "
            "from their next page.",
        )
