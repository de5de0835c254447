-- Gateway schema 7: what each laptop last said it still holds to send, for IT's device list.
-- Reported by the laptop at the end of each sync (`POST /v1/status`); one row per device,
-- replaced each time. Nothing here is needed for correctness: it is what IT is shown.
CREATE TABLE device_queue (
    device_id          TEXT PRIMARY KEY REFERENCES device (id),
    reported_at        TEXT NOT NULL,
    waiting            INTEGER NOT NULL,
    held               INTEGER NOT NULL,
    documents_waiting  INTEGER NOT NULL,
    documents_held     INTEGER NOT NULL,
    app_version        TEXT NOT NULL
);
