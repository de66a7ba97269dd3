package skooltest

import (
	"fmt"
	"strings"
	"time"

	"rapport/internal/membership"
)

// The stand-in's communities, as SKOOL_COACH_COMMUNITY and
// SKOOL_CLIENT_COMMUNITY name them.
const (
	CoachCommunity  = "ultra"
	ClientCommunity = "vagus"
)

// DefaultMembers is what the stand-in holds when Options.Members is nil:
// Generate(CoachCommunity, 24) and Generate(ClientCommunity, 37).
func DefaultMembers() map[string][]membership.Member {
	return map[string][]membership.Member{
		CoachCommunity:  Generate(CoachCommunity, 24),
		ClientCommunity: Generate(ClientCommunity, 37),
	}
}

var (
	firstNames = []string{"Anna", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Grace", "Hiro", "Inès", "Jonas", "Kofi", "Lena", "Mateo", "Nora", "Oskar", "Priya", "Quinn", "Rosa", "Seán", "Tariq"}
	emailNames = []string{"anna", "ben", "chloe", "dmitri", "eva", "farid", "grace", "hiro", "ines", "jonas", "kofi", "lena", "mateo", "nora", "oskar", "priya", "quinn", "rosa", "sean", "tariq"}
	lastNames  = []string{"Schmidt", "O'Brien", "Müller", "Nakamura", "Okafor", "García", "Smith & <Sons>", "Nguyen", "Kowalski", "Andersson", "Dubois"}
)

// Generate makes n members of a community, always the same for the same
// slug and n: mostly active, some cancelled (every other one of them with
// the date their access ends), some churned; joined on dates at midnight
// UTC; names with accents and HTML's special characters; emails in mixed
// case.
func Generate(slug string, n int) []membership.Member {
	joinedFrom := time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC)
	endsFrom := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	out := make([]membership.Member, n)
	for i := range n {
		f, l := i%len(firstNames), (i*7+len(slug))%len(lastNames)
		m := membership.Member{
			Name:   firstNames[f] + " " + lastNames[l],
			Email:  fmt.Sprintf("%s.%d@%s.example.com", emailNames[f], i+1, slug),
			Status: membership.Active,
			Joined: joinedFrom.AddDate(0, 0, (i*11)%1200),
		}
		if i%3 == 1 {
			m.Email = strings.ToUpper(m.Email[:1]) + m.Email[1:strings.Index(m.Email, "@")+1] + strings.ToUpper(slug) + ".Example.com"
		}
		switch i % 10 {
		case 3, 7:
			m.Status = membership.Cancelled
			if i%20 < 10 {
				ends := endsFrom.AddDate(0, 0, i%90)
				m.AccessEnds = &ends
			}
		case 5:
			m.Status = membership.Churned
		}
		out[i] = m
	}
	return out
}
