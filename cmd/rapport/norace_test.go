//go:build !race

package main

// raceDetector is whether the tests run with the race detector, under
// which SQLite's Go code runs about thirty times slower.
const raceDetector = false
