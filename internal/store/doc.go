// Package store keeps the domain in a database through GORM: SQLite by
// default, PostgreSQL to scale out. It holds the row types and their pure
// mappers to and from the domain types, the methods behind the Store
// interfaces the domain services declare, transactions (carried by the
// context), keyset paging and the migrations.
//
// Writes take one path: write.go's writeRecorded runs a change and records
// its change event in one transaction, and updates and deletes
// compare-and-swap on the version the caller read.
//
// Reads are also a read-model layer: where a question spans aggregates, the
// store answers it in SQL rather than have a service load each aggregate and
// join them in Go. The publications list is a UNION of the publications
// table and the meeting reports, which live with their meetings
// (allPublications); a milestone's evidence is the held meetings with a
// report, the magazine editions and the closed evaluations of a period
// (HeldMeetingsWithReport, MagazineEditions, ClosedEvaluations); a meeting is
// read with its organisations, report and registration counts in one query.
// That keeps each list one query however long it is, lets keyset paging and
// filters run in the database, and leaves the domain packages free of
// joins. The domain services still own the rules: these queries only select
// what the rules are applied to, and their results map into domain types
// like any other read.
//
// JSON columns are one type, jsonColumn, whose decoding errors fail the read:
// a corrupt row is an internal error, never silently empty data.
package store
