// Package archtest holds the tests of the code's shape: the rule that the
// domain packages (app, coaching, chat, room, notify, membership, mail,
// audit, intake, and protocol, the wire format the room speaks) import no adapter, database driver, network server or pion, only the
// standard library's pure parts, each other and a few small libraries.
package archtest
