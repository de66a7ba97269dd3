package clustertest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// Balance starts a round-robin load balancer in front of the nodes at
// urls, as a test's stand-in for the one in front of a cluster: each
// request goes to the next node in turn, and one that a node refuses (it
// has stopped) goes on to the next, as nginx's and HAProxy's defaults do.
// It returns the balancer's URL; it stops when tb ends.
func Balance(tb testing.TB, urls ...string) string {
	tb.Helper()
	rr := &roundRobin{}
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil {
			tb.Fatal(err)
		}
		rr.nodes = append(rr.nodes, u)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite:       func(pr *httputil.ProxyRequest) { pr.Out.Host = pr.In.Host },
		Transport:     rr,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "no node answers", http.StatusBadGateway)
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: proxy}
	go srv.Serve(ln)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		srv.Close()
	})
	return "http://" + ln.Addr().String()
}

// roundRobin sends each request to the next node, and to the one after
// when a node refuses the connection.
type roundRobin struct {
	nodes []*url.URL
	next  atomic.Uint64
}

// RoundTrip implements http.RoundTripper.
func (rr *roundRobin) RoundTrip(r *http.Request) (*http.Response, error) {
	var err error
	for range rr.nodes {
		n := rr.nodes[rr.next.Add(1)%uint64(len(rr.nodes))]
		out := r.Clone(r.Context())
		out.URL.Scheme, out.URL.Host = n.Scheme, n.Host
		var res *http.Response
		res, err = http.DefaultTransport.RoundTrip(out)
		if err == nil || !refused(err) || !replayable(r) {
			return res, err
		}
	}
	return nil, err
}

// refused tells whether err is a node's refusal to connect: nothing of the
// request reached it.
func refused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// replayable tells whether r may be sent again: it has no body, or one
// that can be read again.
func replayable(r *http.Request) bool {
	return r.Body == nil || r.Body == http.NoBody || r.GetBody != nil
}
