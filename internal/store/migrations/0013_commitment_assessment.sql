-- The commitment as the action plan describes it and the IRM assessed it:
-- its dates and description, the IRM's design and implementation
-- assessment and its recommendations; related commitments, kept in both
-- directions; and every version of a commitment, as milestones keep
-- theirs, for asOf. Existing rows get no values (nothing is assessed yet).
ALTER TABLE commitments ADD COLUMN start_date DATE;
ALTER TABLE commitments ADD COLUMN end_date DATE;
ALTER TABLE commitments ADD COLUMN milestones_from TEXT NOT NULL DEFAULT '';
ALTER TABLE commitments ADD COLUMN milestones_until TEXT NOT NULL DEFAULT '';
ALTER TABLE commitments ADD COLUMN description TEXT NOT NULL DEFAULT '{}';
ALTER TABLE commitments ADD COLUMN irm_report TEXT NOT NULL DEFAULT '';
ALTER TABLE commitments ADD COLUMN verifiable BOOLEAN;
ALTER TABLE commitments ADD COLUMN ogp_values TEXT NOT NULL DEFAULT '[]';
ALTER TABLE commitments ADD COLUMN potential_impact TEXT NOT NULL DEFAULT '';
ALTER TABLE commitments ADD COLUMN starred BOOLEAN;
ALTER TABLE commitments ADD COLUMN design_note TEXT NOT NULL DEFAULT '';
ALTER TABLE commitments ADD COLUMN completion TEXT NOT NULL DEFAULT '';
ALTER TABLE commitments ADD COLUMN early_results TEXT NOT NULL DEFAULT '';
ALTER TABLE commitments ADD COLUMN implementation_note TEXT NOT NULL DEFAULT '';
ALTER TABLE commitments ADD COLUMN recommendations TEXT NOT NULL DEFAULT '[]';
CREATE INDEX commitments_potential_impact ON commitments (potential_impact, code);

-- One row each way: A related to B is kept as (A, B) and (B, A).
CREATE TABLE commitment_links (
    commitment TEXT NOT NULL REFERENCES commitments (code),
    related    TEXT NOT NULL REFERENCES commitments (code),
    PRIMARY KEY (commitment, related)
);
CREATE INDEX commitment_links_related ON commitment_links (related);

CREATE TABLE commitment_history (
    commitment  TEXT NOT NULL,
    version     INTEGER NOT NULL,
    snapshot    TEXT NOT NULL,
    recorded_at {{timestamp}} NOT NULL,
    PRIMARY KEY (commitment, version)
);
CREATE INDEX commitment_history_recorded_at ON commitment_history (recorded_at);
