-- Schema 20: the way down by file (issue 16, decision 0011). The number of the newest inbound
-- bundle this laptop took from the gateway (0: none yet): an older one, or the same again,
-- changes nothing. A new enrolment (another device id) starts it again from 0. The laptop's
-- X25519 key that those bundles are encrypted to lives in device_key ('sync_inbound').
ALTER TABLE sync_enrolment ADD COLUMN inbound_sequence INTEGER NOT NULL DEFAULT 0;
