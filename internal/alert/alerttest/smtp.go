// Package alerttest has stand-ins for the services alerts go to: an SMTP
// server that keeps what it is sent, over real TCP, speaking enough of RFC
// 5321 for net/smtp (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT).
package alerttest

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
)

// Mail is a message the stand-in received.
type Mail struct {
	From string
	To   []string
	Data string
	Auth string // the AUTH line's credentials, as sent
}

// SMTP is a stand-in mail server.
type SMTP struct {
	Addr string
	l    net.Listener
	mu   sync.Mutex
	mail []Mail
	got  chan struct{}
}

// NewSMTP starts a stand-in on loopback for the test.
func NewSMTP(t testing.TB) *SMTP {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTP{Addr: l.Addr().String(), l: l, got: make(chan struct{}, 16)}
	go s.serve()
	t.Cleanup(func() { l.Close() })
	return s
}

// Mail is what was received so far.
func (s *SMTP) Mail() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// Received is told each time a message is received.
func (s *SMTP) Received() <-chan struct{} { return s.got }

func (s *SMTP) serve() {
	for {
		c, err := s.l.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

func (s *SMTP) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { c.Write([]byte(line + "\r\n")) }
	say("220 stand-in ESMTP")
	var m Mail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-stand-in")
			say("250 AUTH PLAIN")
		case strings.HasPrefix(cmd, "AUTH"):
			m.Auth = strings.TrimSpace(line[4:])
			say("235 2.7.0 accepted")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			m.From = strings.Trim(strings.TrimSpace(line[10:]), "<>")
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			m.To = append(m.To, strings.Trim(strings.TrimSpace(line[8:]), "<>"))
			say("250 ok")
		case cmd == "DATA":
			say("354 go on")
			m.Data = readData(r)
			s.mu.Lock()
			s.mail = append(s.mail, m)
			s.mu.Unlock()
			m = Mail{}
			say("250 kept")
			select {
			case s.got <- struct{}{}:
			default:
			}
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// readData reads a message up to the line with a single dot.
func readData(r *bufio.Reader) string {
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil || strings.TrimRight(line, "\r\n") == "." {
			return b.String()
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
}
