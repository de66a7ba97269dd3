// Package pionlog sends pion's own logging (WebRTC, ICE, TURN) to the
// server's log at debug level: its warnings and errors are mostly the
// routine ends of hung-up calls (writes on closed transports) and expired
// credentials; what matters Rapport logs itself.
package pionlog

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// Factory returns a pion LoggerFactory that writes to log; nil discards.
func Factory(log *slog.Logger) logging.LoggerFactory {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return factory{log}
}

type factory struct{ log *slog.Logger }

// NewLogger gives one pion component (its scope) a logger.
func (f factory) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) logf(format string, args ...any) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.log.Debug(fmt.Sprintf(format, args...))
	}
}

func (l pionLogger) Trace(msg string)                  {}
func (l pionLogger) Tracef(format string, args ...any) {}
func (l pionLogger) Debug(msg string)                  {}
func (l pionLogger) Debugf(format string, args ...any) {}
func (l pionLogger) Info(msg string)                   {}
func (l pionLogger) Infof(format string, args ...any)  {}
func (l pionLogger) Warn(msg string)                   { l.logf("%s", msg) }
func (l pionLogger) Warnf(format string, args ...any)  { l.logf(format, args...) }
func (l pionLogger) Error(msg string)                  { l.logf("%s", msg) }
func (l pionLogger) Errorf(format string, args ...any) { l.logf(format, args...) }
