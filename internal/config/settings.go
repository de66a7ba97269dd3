package config

import (
	"fmt"
	"sync"
)

// Setting describes one environment variable. Its Default is the one place
// the default is written: Load parses it when the variable is not set, and
// `rapport serve -h` and docs/configuration.md show it. An empty Default
// means none, or one that depends on other settings (the Help says which).
type Setting struct {
	Name, Default, Help string
	Secret              bool // may also be read from the file NAME_FILE names
}

// Group is one table of settings: those of one part of the server.
type Group struct {
	Title    string
	Intro    string // a sentence on what the group is for
	Settings []Setting
}

// Groups are the settings tables, in the order the docs show them.
var Groups = []Group{
	{"Server", "Where the server listens, keeps its data and logs.", serverSettings},
	{"Sign-in", "Who signs in, and through which OpenID Connect provider.", signInSettings},
	{"Email", "The practice's emails (invitations, bookings, reminders) and the server they leave through.", mailSettings},
	{"Calls", "How call media travels: the SFU's ports and addresses, and the TURN servers browsers are given.", webrtcSettings},
	{"AI co-coach", "The language model and the speech engines of the AI co-coach.", aiSettings},
	{"Skool sync", "The nightly sync that turns the members of two Skool communities into coaches and clients.", skoolSettings},
	{"Data keeping", "How long the practice keeps chats, transcripts and the audit log; the nightly deletion runs on one server at a time.", retentionSettings},
	{"Alerts", "Where the operators are told when something needs them (the Skool sync failed, or its safety stop held).", alertSettings},
	{"Proxies and metrics", "Whose forwarded addresses are believed, and who reads the metrics.", limitsSettings},
	{"Privacy", "Who may read what the coaches keep private.", privacySettings},
	{"Cluster", "Several nodes on one PostgreSQL and one Redis: rooms are owned by one node at a time, and any node carries a connection to its room's node.", clusterSettings},
}

// Settings lists every environment variable Rapport reads, group by group.
var Settings = flatten(Groups)

func flatten(groups []Group) []Setting {
	var out []Setting
	for _, g := range groups {
		out = append(out, g.Settings...)
	}
	return out
}

var (
	defaultsOnce sync.Once
	defaults     map[string]string
)

// defaultOf is the table's default of a setting. A name missing from the
// table is a mistake in this package, caught by any test that loads the
// settings.
func defaultOf(name string) string {
	defaultsOnce.Do(func() {
		defaults = make(map[string]string, len(Settings))
		for _, s := range Settings {
			defaults[s.Name] = s.Default
		}
	})
	d, ok := defaults[name]
	if !ok {
		panic(fmt.Sprintf("config: %s is read but not in the settings table", name))
	}
	return d
}
