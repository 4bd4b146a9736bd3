-- +goose Up
-- The rules of R12 ask, for each client a case record concerns, whether one
-- of the client's assessments records an eligibility exception. A data
-- migration asks that for every row it links; this partial index answers it
-- from the few exceptions instead of every assessment of the client.
CREATE INDEX assessments_exception ON assessments(client_id) WHERE eligibility_exception IS NOT NULL;

-- +goose Down
DROP INDEX assessments_exception;
