-- +goose Up
-- Row-level security on clients: the previous municipality's read after a
-- transfer (00005) is now checked only for rows outside the transaction's
-- scope. The rows visible are the same (scope OR transfer), but reading a
-- client of one's own municipality no longer looks up client_transfers.
DROP POLICY clients_transferred_read ON clients;
CREATE POLICY clients_transferred_read ON clients FOR SELECT
    USING (NOT kotodigi_scope_allows(municipality_code) AND EXISTS (SELECT 1 FROM client_transfers t
        WHERE t.client_id = clients.id AND kotodigi_scope_allows(t.from_municipality)));

-- +goose Down
DROP POLICY clients_transferred_read ON clients;
CREATE POLICY clients_transferred_read ON clients FOR SELECT
    USING (EXISTS (SELECT 1 FROM client_transfers t
        WHERE t.client_id = clients.id AND kotodigi_scope_allows(t.from_municipality)));
