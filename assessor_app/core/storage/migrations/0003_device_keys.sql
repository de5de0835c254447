-- Schema 3: the profile's own signing keys, kept only inside the encrypted vault.
-- 'mdt_contribution' (Ed25519) signs the DST contribution files an MDT member sends; the PDF
-- signing key and its certificate will live here too.
CREATE TABLE device_key (
    purpose     TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    private_key BLOB NOT NULL,
    created_at  TEXT NOT NULL
);
