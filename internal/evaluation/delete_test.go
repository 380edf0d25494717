package evaluation_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/evaluation"
	"github.com/pioniersnetwerk/pioniers/internal/store"
)

// respondingStore is the real store, except that right after the evaluation
// is read (a delete's check that nobody answered) it lets respond run, and
// waits for it a while: long enough to finish unless the read holds the
// evaluation against it.
type respondingStore struct {
	*store.DB
	once    sync.Once
	respond func() error
	done    chan struct{} // closed once respond has returned and err is set
	err     error
}

func (s *respondingStore) GetEvaluation(ctx context.Context, id string) (evaluation.Evaluation, error) {
	e, err := s.DB.GetEvaluation(ctx, id)
	s.once.Do(func() {
		go func() {
			defer close(s.done)
			s.err = s.respond()
		}()
		select {
		case <-s.done:
		case <-time.After(300 * time.Millisecond):
		}
	})
	return e, err
}

// A response that arrives while an evaluation is being deleted either waits
// and finds it gone, or makes the delete a clean conflict; it is never lost
// with the evaluation, and the delete never ends in a database error.
func TestDeleteAgainstAConcurrentResponse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.create(t, input("Deleted while answered", f.alpha.Code))
	racing := &respondingStore{DB: f.db, done: make(chan struct{})}
	racing.respond = func() error {
		_, err := f.svc.PutResponse(apptest.As(memberOf(f.alpha)), e.ID, f.alpha.Code, answers(4, ""))
		return err
	}
	svc := evaluation.NewService(racing, f.orgs, f.clock.Now, []byte(secret))
	errDelete := svc.Delete(apptest.As(editor), e.ID, domain.Precondition{Present: true, Any: true})
	<-racing.done
	errRespond := racing.err
	responses := f.stored(t, e.ID)
	switch {
	case errDelete == nil:
		if errRespond == nil || len(responses) > 0 {
			t.Errorf("the delete succeeded and the response got %v, leaving %d stored; want the response refused and none stored", errRespond, len(responses))
		}
		if code := domain.ErrorCode(errRespond); code != domain.CodeNotFound {
			t.Errorf("response to the deleted evaluation: got %q (%v); want %q", code, errRespond, domain.CodeNotFound)
		}
	default:
		wantCode(t, "delete of an answered evaluation", errDelete, domain.CodeConflict)
		if errRespond != nil || len(responses) != 1 {
			t.Errorf("the delete was refused; got response error %v and %d stored; want the response kept", errRespond, len(responses))
		}
	}
}
