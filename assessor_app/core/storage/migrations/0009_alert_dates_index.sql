-- Schema 9: the caseload's alerts read an index, not every record. For each record it holds
-- the person, form, status and, as JSON text, the two answers the CHC timeline reads (the date
-- the ICB received the referral and its decision date), so "what needs attention" over a
-- 20,000-person caseload is one scan of a small covering index instead of loading and parsing
-- every DST's answers. SQLite keeps it up to date in the same transaction as each save.
-- `AssessmentRepository.watched_answers` names the same expressions; if the answers the
-- alerts read ever change, the query still answers correctly, from the table (slower), until
-- a migration replaces this index (tests/core/test_caseload_alerts.py checks the plan).
CREATE INDEX assessment_watch ON assessment (
    form_id,
    person_id,
    status,
    answers -> '$.icb_referral_received',
    answers -> '$.icb_decision_date'
);

-- Unlocking asks whether the audit log holds an unresolved history mismatch: without this
-- index that read every audit entry (one per save: 200,000 and more on a busy laptop), about
-- 0.2 s of every unlock before the caseload could show.
CREATE INDEX audit_by_action ON audit (action);
