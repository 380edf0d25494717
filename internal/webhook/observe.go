package webhook

// Outcome is how a delivery attempt ended, as an observer hears it.
type Outcome string

const (
	Delivered Outcome = "delivered" // the receiver answered 2xx
	Retrying  Outcome = "retrying"  // it failed; the event is tried again later
	Disabled  Outcome = "disabled"  // it failed for RetryFor; the subscription is disabled
	Failed    Outcome = "failed"    // a requested redelivery failed; not retried
)

// Observer hears every delivery attempt the dispatcher logs, such as for
// metrics. It is called on the dispatcher's goroutine: it must not block.
type Observer interface {
	Delivery(d Delivery, o Outcome)
}

// observe tells the observer, if any.
func (d *Dispatcher) observe(del Delivery, o Outcome) {
	if d.opt.Observer != nil {
		d.opt.Observer.Delivery(del, o)
	}
}
