-- Call mode: how an appointment's call travels, "sfu" (through the server)
-- or "p2p" (directly between the two browsers); '' leaves it to the
-- server's CALL_MODE, so every existing appointment keeps following it.
ALTER TABLE appointments ADD COLUMN call_mode TEXT NOT NULL DEFAULT '';
