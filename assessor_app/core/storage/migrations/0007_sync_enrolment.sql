-- Schema 7: this profile's enrolment with the authority's gateway (at most one row).
-- The device's key and certificate live in device_key ('sync_device'); here are where the
-- gateway is, who it knows this laptop as, and the CA certificate pinned at enrolment: the
-- only issuer the laptop trusts for the gateway's server certificate from then on.
CREATE TABLE sync_enrolment (
    one          INTEGER PRIMARY KEY CHECK (one = 1),
    gateway_url  TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    assessor_id  TEXT NOT NULL,
    server_ca    TEXT NOT NULL,
    enrolled_at  TEXT NOT NULL
);
