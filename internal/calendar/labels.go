package calendar

import (
	"strconv"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// Labels are the words of a meeting as the calendar, the embeddable
// schedule and the notifications write it, in one language.
type Labels struct {
	Network, Online                           string
	Topic, Format, GuestChair, Status, Report string // the labels of a meeting's fields
	Formats                                   map[meeting.Format]string
	Statuses                                  map[meeting.Status]string
	Days                                      [7]string
	Months                                    [12]string
	AfterDay                                  string // "donderdag 14", "Thursday, 14"

	// The calendar's own texts.
	CalendarDescription, Cancelled, CancelledPrefix, Host, Experts, LabCase, TownHall, CallCloses, Series, Example, MoreInfo string
}

// Text holds the labels by language: nl and en.
var Text = map[string]Labels{
	"nl": {
		Network: "Pioniersnetwerk Open Overheid", Online: "Online",
		Topic: "Onderwerp", Format: "Vorm", GuestChair: "Gastvoorzitter", Status: "Status", Report: "Verslag",
		Formats: map[meeting.Format]string{meeting.FormatKnowledgeSession: "Kennissessie", meeting.FormatLab: "Open Overheid-lab",
			meeting.FormatConference: "Congres", meeting.FormatResidents: "Inwonersbijeenkomst", meeting.FormatOther: "Bijeenkomst"},
		Statuses: map[meeting.Status]string{meeting.StatusPlanned: "Gepland", meeting.StatusConfirmed: "Bevestigd",
			meeting.StatusHeld: "Gehouden", meeting.StatusCancelled: "Afgelast"},
		AfterDay: " ",
		Days:     [7]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
		Months: [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
			"oktober", "november", "december"},
		CalendarDescription: "Bijeenkomsten van het Pioniersnetwerk Open Overheid voor gemeenten",
		Cancelled:           "Deze bijeenkomst is afgelast", CancelledPrefix: "Afgelast: ",
		Host: "Gastorganisatie", Experts: "Sprekers", LabCase: "Casus", TownHall: "Gemeentehuis", CallCloses: "Call for papers sluit op",
		Series: "Bijeenkomst in de reeks", MoreInfo: "Meer informatie",
		Example: "Voorbeeldgegevens voor demonstraties; geen echte bijeenkomst van het netwerk.",
	},
	"en": {
		Network: "Pioneering Network for an Open Government for Municipalities", Online: "Online",
		Topic: "Topic", Format: "Format", GuestChair: "Guest chair", Status: "Status", Report: "Report",
		Formats: map[meeting.Format]string{meeting.FormatKnowledgeSession: "Knowledge session", meeting.FormatLab: "Open Government lab",
			meeting.FormatConference: "Conference", meeting.FormatResidents: "Residents' meeting", meeting.FormatOther: "Meeting"},
		Statuses: map[meeting.Status]string{meeting.StatusPlanned: "Planned", meeting.StatusConfirmed: "Confirmed",
			meeting.StatusHeld: "Held", meeting.StatusCancelled: "Cancelled"},
		AfterDay: ", ",
		Days:     [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		Months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September",
			"October", "November", "December"},
		CalendarDescription: "Meetings of the Pioneering Network for an Open Government for Municipalities",
		Cancelled:           "This meeting is cancelled", CancelledPrefix: "Cancelled: ",
		Host: "Host", Experts: "Experts", LabCase: "Case", TownHall: "Town hall", CallCloses: "Call for papers closes on",
		Series: "Meeting in the series", MoreInfo: "More information",
		Example: "Example data for demonstrations; not a real meeting of the network.",
	},
}

// Date is an instant's day in Amsterdam the way people there write it.
func (l Labels) Date(t time.Time) string { return l.Day(t.In(domain.Amsterdam)) }

// Day is a calendar date (such as a call's last day) written out.
func (l Labels) Day(t time.Time) string {
	return l.Days[t.Weekday()] + l.AfterDay + strconv.Itoa(t.Day()) + " " + l.Months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}
