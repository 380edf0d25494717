package organisation

import (
	"context"
	"fmt"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// Ref is an organisation as another resource refers to it (a meeting's guest
// chair, a commitment's institution, an evaluation's audience).
type Ref struct {
	ID, Code, Name string
}

// Ref returns how other resources refer to o.
func (o Organisation) Ref() Ref { return Ref{ID: o.ID, Code: o.Code, Name: o.Name} }

// Finder finds an organisation by id or code.
type Finder interface {
	Get(ctx context.Context, ref string) (Organisation, error)
}

// Resolver resolves the organisations one request names, so that the caller
// hears of every unknown one at once: an organisation that does not exist is
// a problem named after its field; any other failure is kept for Err and ends
// the request as it is, never as bad input.
type Resolver struct {
	ctx  context.Context
	orgs Finder
	p    *domain.Problems
	err  error
	// found keeps what was read by every ref it was asked by and by id, so
	// that an organisation a request names twice (a guest chair who owns
	// the case) is read once.
	found map[string]Organisation
}

// NewResolver returns a resolver that looks up in orgs and adds problems to p.
func NewResolver(ctx context.Context, orgs Finder, p *domain.Problems) *Resolver {
	return &Resolver{ctx: ctx, orgs: orgs, p: p}
}

// Resolve returns the organisation with id or code ref, and whether it was found.
func (r *Resolver) Resolve(ref, field string) (Ref, bool) {
	o, ok := r.Find(ref, field)
	return o.Ref(), ok
}

// Find is Resolve that returns the whole organisation.
func (r *Resolver) Find(ref, field string) (Organisation, bool) {
	if o, ok := r.found[ref]; ok {
		return o, true
	}
	o, err := r.orgs.Get(r.ctx, ref)
	switch domain.ErrorCode(err) {
	case "":
		if r.found == nil {
			r.found = map[string]Organisation{}
		}
		r.found[ref], r.found[o.ID] = o, o
		return o, true
	case domain.CodeNotFound:
		r.p.Add(field, fmt.Sprintf("no organisation with id or code %q", ref))
	default:
		if r.err == nil {
			r.err = err
		}
	}
	return Organisation{}, false
}

// Err is the first failure other than an unknown organisation, or nil.
func (r *Resolver) Err() error { return r.err }
