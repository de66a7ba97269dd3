// Package multinode holds the tests of several `rapport serve` processes
// on one PostgreSQL and one Redis: rooms owned by one node at a time and
// reached from any, a second node without Redis refused, and calls that
// survive a node's drain or its death. The tests build the rapport binary
// once and run it as production does.
package multinode
