-- +goose Up
-- An anomaly's summary in any language: the catalogue message
-- anomaly.summary.<summary_key> with the JSON array summary_args. The English
-- summary stays for the API and for anomalies recorded before.
ALTER TABLE anomalies ADD COLUMN summary_key text NOT NULL DEFAULT '';
ALTER TABLE anomalies ADD COLUMN summary_args text NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE anomalies DROP COLUMN summary_args;
ALTER TABLE anomalies DROP COLUMN summary_key;
