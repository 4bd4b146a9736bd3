-- +goose Up
-- Background data of clients for statistics (issue 11): NULL = not told,
-- counted as "unknown". Sex is derived from the identity code when there is
-- one (odd individual number: male); citizenships are ISO 3166-1 alpha-2 codes
-- separated by single spaces, the primary one first ("XX": stateless);
-- mother_tongue an ISO 639 code (639-1 where it exists, else 639-3).
ALTER TABLE clients ADD COLUMN sex text CHECK (sex IN ('female', 'male'));
ALTER TABLE clients ADD COLUMN citizenships text;
ALTER TABLE clients ADD COLUMN mother_tongue text;
ALTER TABLE clients ADD COLUMN arrival_date date;
ALTER TABLE clients ADD COLUMN client_group text CHECK (client_group IN ('international_protection', 'quota_refugee',
    'family_member', 'work', 'study', 'temporary_protection', 'trafficking_victim', 'eu_eea', 'other'));
UPDATE clients SET sex = CASE WHEN CAST(substr(personal_identity_code, 8, 3) AS integer) % 2 = 1 THEN 'male' ELSE 'female' END
    WHERE personal_identity_code IS NOT NULL;

-- +goose Down
ALTER TABLE clients DROP COLUMN client_group;
ALTER TABLE clients DROP COLUMN arrival_date;
ALTER TABLE clients DROP COLUMN mother_tongue;
ALTER TABLE clients DROP COLUMN citizenships;
ALTER TABLE clients DROP COLUMN sex;
