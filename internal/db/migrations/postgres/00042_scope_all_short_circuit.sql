-- +goose Up
-- The statistics refresh reads the whole registry with the scope '*'. The
-- case-record policies then asked, row by row, whether the record's client is
-- visible (EXISTS on clients, itself checked by its own policies): the same
-- answer, yes, a million times, and estimates so poor that PostgreSQL chose
-- nested loops (minutes per indicator at a million clients). With the scope
-- '*' every client is visible, so every record of one is: the policies now
-- say so first and look the client up only for a narrower scope. What each
-- scope sees is unchanged.
CREATE FUNCTION kotodigi_scope_is_all() RETURNS boolean
    LANGUAGE sql STABLE AS $$
    SELECT current_setting('kotodigi.municipalities', true) = '*'
$$;
GRANT EXECUTE ON FUNCTION kotodigi_scope_is_all() TO kotodigi_app;
ALTER POLICY jobseeker_statuses_scope ON jobseeker_statuses
    USING (kotodigi_scope_is_all() OR EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));
ALTER POLICY assessments_scope ON assessments
    USING (kotodigi_scope_is_all() OR EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));
ALTER POLICY plans_scope ON plans
    USING (kotodigi_scope_is_all() OR EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));
ALTER POLICY plan_reviews_scope ON plan_reviews
    USING (kotodigi_scope_is_all() OR EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));
ALTER POLICY services_scope ON services
    USING (kotodigi_scope_is_all() OR EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));

-- +goose Down
ALTER POLICY jobseeker_statuses_scope ON jobseeker_statuses USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));
ALTER POLICY assessments_scope ON assessments USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));
ALTER POLICY plans_scope ON plans USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));
ALTER POLICY plan_reviews_scope ON plan_reviews USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));
ALTER POLICY services_scope ON services USING (EXISTS (SELECT 1 FROM clients c WHERE c.id = client_id));
DROP FUNCTION kotodigi_scope_is_all();
