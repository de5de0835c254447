-- Gateway schema 17: teams (issue 15). An assessor is in one team or none; a team manager's
-- console account is in one team, and sees and allocates only within it (console.py). A team
-- is named by IT and known by that name; two names differing only in case are one team.
-- A team manager's account from before this schema has no team and sees only a page telling
-- them to ask IT ('console-account set-team'): never everything (docs/gateway.md).
CREATE TABLE team (
    name        TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX team_name_folded ON team (LOWER(name));
ALTER TABLE assessor ADD COLUMN team TEXT REFERENCES team (name);
CREATE INDEX assessor_team ON assessor (team);
ALTER TABLE console_account ADD COLUMN team TEXT REFERENCES team (name);
