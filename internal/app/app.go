// Package app is the small shared kernel of Rapport: error codes that every
// layer speaks, the clock, and the signed-in user carried in a context.
//
// It imports nothing else of the project, so that every package may use it.
package app
