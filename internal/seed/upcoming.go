package seed

import (
	"fmt"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
)

// UpcomingQuarters is how many quarterly example meetings --demo plans ahead.
const UpcomingQuarters = 4

// quarterly is the example meeting of one quarter of the year; the demo's
// upcoming series takes its meetings from here, so that a quarter always
// yields the same meeting whenever it is seeded.
var quarterly = [4]struct {
	topic, format, chair, host string
	online, venue              bool // an online link, a venue, or both (hybrid)
	details                    func(start time.Time) *detailsData
}{
	{"Open by default", "knowledge-session", "GM9901", "GM9901", true, true, func(time.Time) *detailsData {
		return &detailsData{Format: "knowledge-session", Experts: []meeting.Expert{{Name: "Example Expert", Affiliation: "Example University"}}}
	}},
	{"Open data for residents", "open-government-lab", "GM9902", "", true, false, func(time.Time) *detailsData {
		return &detailsData{Format: "open-government-lab", Case: "Example case: publishing the council's agenda as open data", CaseOwner: "GM9902"}
	}},
	{"Residents and the budget", "residents-meeting", "GM9901", "GM9901", false, true, func(time.Time) *detailsData {
		return &detailsData{Format: "residents-meeting", TownHall: "Example town hall North"}
	}},
	{"Pioneers conference", "conference", "GM9902", "GM9902", true, true, func(start time.Time) *detailsData {
		// The call is open from a year ahead until a week before, so it is
		// open whenever the conference is one of the next four meetings.
		day := domain.Today(start)
		return &detailsData{Format: "conference", CallForPapers: &callData{
			OpensOn: day.AddDate(-1, 0, 0).Format(time.DateOnly), ClosesOn: day.AddDate(0, 0, -7).Format(time.DateOnly)}}
	}},
}

// upcoming is the demo's example meetings of the UpcomingQuarters quarters
// after the one that holds now: each on the second Thursday of its quarter's
// first month, 13:00 to 16:30 in Amsterdam. A quarter's meeting is the same
// whenever it is seeded (its title names the month), so a second load adds
// nothing, and a load in a later quarter adds only the quarters that are new.
func upcoming(now time.Time) []meetingData {
	local := now.In(domain.Amsterdam)
	first := time.Date(local.Year(), (local.Month()-1)/3*3+1, 1, 0, 0, 0, 0, domain.Amsterdam) // this quarter's first day
	out := make([]meetingData, 0, UpcomingQuarters)
	for k := 1; k <= UpcomingQuarters; k++ {
		month := first.AddDate(0, 3*k, 0)
		day := 1 + (int(time.Thursday)-int(month.Weekday())+7)%7 + 7 // the second Thursday
		start := time.Date(month.Year(), month.Month(), day, 13, 0, 0, 0, domain.Amsterdam)
		q := quarterly[(month.Month()-1)/3]
		m := meetingData{
			Title:       fmt.Sprintf("Example meeting: %s (%s)", q.topic, start.Format("January 2006")),
			Topic:       q.topic,
			Description: "Example data for demonstrations; not a real meeting of the network.",
			Format:      q.format,
			Details:     q.details(start),
			StartsAt:    start.UTC(),
			EndsAt:      start.Add(3*time.Hour + 30*time.Minute).UTC(),
			GuestChair:  q.chair,
			Capacity:    60,
			Status:      "planned",
		}
		if k == 1 {
			m.Status = "confirmed" // the next one is settled: chair and place known
		}
		if q.venue {
			m.Venue = &venueData{Name: "Example venue", City: "Example city", HostOrganisation: q.host}
		}
		if q.online {
			m.OnlineURL = "https://meet.example.org/pioniers/" + start.Format("2006-01")
		}
		out = append(out, m)
	}
	return out
}
