package notification

import (
	"github.com/pioniersnetwerk/pioniers/internal/calendar"
)

// words are a message's own texts in one language; the meeting's come from
// the calendar's labels.
type words struct {
	greeting, meeting, when, where, reason, why, unsubscribe string
	subjects                                                 map[Kind]string // before the meeting's title
	intros                                                   map[Kind]string
	paper                                                    string // "Your paper" before its title
}

var texts = map[string]words{
	"nl": {
		greeting: "Beste", meeting: "Bijeenkomst", when: "Wanneer", where: "Waar", reason: "Reden",
		why:         "Je krijgt dit bericht omdat je hebt ingestemd met berichten van het netwerk over je aanmeldingen, bijeenkomsten en papers.",
		unsubscribe: "Geen berichten meer ontvangen",
		subjects: map[Kind]string{Registered: "Aangemeld: ", Waitlisted: "Op de wachtlijst: ", Promoted: "Je hebt een plaats: ",
			Moved: "Gewijzigd: ", Cancelled: "Afgelast: ", Unregistered: "Afgemeld: ", Demoted: "Terug op de wachtlijst: ", Accepted: "Paper geaccepteerd: ", Rejected: "Paper niet geaccepteerd: "},
		intros: map[Kind]string{
			Registered: "Je bent aangemeld voor deze bijeenkomst. De uitnodiging voor je agenda zit bij dit bericht.",
			Waitlisted: "De bijeenkomst is vol: je staat op de wachtlijst. Komt er een plaats vrij, dan krijg je bericht.",
			Promoted:   "Er is een plaats vrijgekomen: je staat niet meer op de wachtlijst maar bent aangemeld. De uitnodiging voor je agenda zit bij dit bericht.",
			Moved:      "De tijd of plaats van deze bijeenkomst is gewijzigd. Hieronder staan de nieuwe gegevens.",
			Cancelled:  "Deze bijeenkomst is afgelast.",
			Accepted:   "Je paper is geaccepteerd voor dit congres.",
			Rejected:   "Je paper is helaas niet geaccepteerd voor dit congres.",

			Unregistered: "Je aanmelding voor deze bijeenkomst is geannuleerd. Staat de bijeenkomst in je agenda, dan haalt de afmelding bij dit bericht hem weg.",
			Demoted: "Het aantal plaatsen voor deze bijeenkomst is verlaagd: je hebt geen plaats meer en staat weer op de wachtlijst. " +
				"Komt er een plaats vrij, dan krijg je bericht. De afmelding voor je agenda zit bij dit bericht.",
		},
		paper: "Paper",
	},
	"en": {
		greeting: "Dear", meeting: "Meeting", when: "When", where: "Where", reason: "Reason",
		why:         "You receive this message because you agreed to hear from the network about your registrations, meetings and papers.",
		unsubscribe: "Stop receiving these messages",
		subjects: map[Kind]string{Registered: "Registered: ", Waitlisted: "On the waitlist: ", Promoted: "You have a place: ",
			Moved: "Changed: ", Cancelled: "Cancelled: ", Unregistered: "Registration cancelled: ", Demoted: "Back on the waitlist: ", Accepted: "Paper accepted: ", Rejected: "Paper not accepted: "},
		intros: map[Kind]string{
			Registered: "You are registered for this meeting. The invitation for your calendar comes with this message.",
			Waitlisted: "The meeting is full: you are on the waitlist. We will let you know when a place comes free.",
			Promoted:   "A place came free: you are no longer on the waitlist but registered. The invitation for your calendar comes with this message.",
			Moved:      "The time or place of this meeting changed. The new details are below.",
			Cancelled:  "This meeting is cancelled.",
			Accepted:   "Your paper is accepted for this conference.",
			Rejected:   "We are sorry: your paper is not accepted for this conference.",

			Unregistered: "Your registration for this meeting is cancelled. If the meeting is in your calendar, the cancellation with this message removes it.",
			Demoted: "The number of places at this meeting was reduced: you no longer have a place and are back on the waitlist. " +
				"We will let you know when a place comes free. The cancellation for your calendar comes with this message.",
		},
		paper: "Paper",
	},
}

// subject is the message's subject: what happened, and to which meeting
// or paper.
func (t words) subject(m Message, _ calendar.Labels) string {
	if m.Submission != nil {
		return t.subjects[m.Kind] + m.Submission.Title
	}
	return t.subjects[m.Kind] + m.Meeting.Title
}

// intro is the message's first paragraph.
func (t words) intro(m Message, _ calendar.Labels) string {
	s := t.intros[m.Kind]
	if m.Submission != nil {
		s += " " + t.paper + ": “" + m.Submission.Title + "”."
	}
	return s
}
