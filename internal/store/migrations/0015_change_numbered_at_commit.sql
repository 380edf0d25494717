-- +goose Up
-- On PostgreSQL a change record gets its number (seq, in change_events and
-- audit_events alike) when its transaction commits, not when it is written:
-- the counter row's lock, which puts the numbers in commit order, is then
-- held for the commit alone instead of from the write's last statement
-- through a round trip to the instance and back. A row written with its
-- number (a copy by migrate-data) keeps it. SQLite has one writer and
-- numbers as before. EXECUTE FUNCTION needs PostgreSQL 11 or later.
{{postgres}}
ALTER TABLE audit_events ALTER COLUMN seq DROP NOT NULL;
-- +goose StatementBegin
CREATE FUNCTION number_change() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    n BIGINT;
BEGIN
    UPDATE change_sequence SET last = last + 1 WHERE id = 1 RETURNING last INTO n;
    UPDATE change_events SET seq = n WHERE id = NEW.id;
    UPDATE audit_events SET seq = n WHERE id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER change_numbered_at_commit AFTER INSERT ON change_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.seq IS NULL) EXECUTE FUNCTION number_change();
{{end}}
