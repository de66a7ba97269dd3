package web

// Linkify is linkify, for the tests.
var Linkify = linkify
