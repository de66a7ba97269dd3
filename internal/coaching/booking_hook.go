package coaching

import "context"

// ToDo is something a booking asks of its client before the session, such
// as a questionnaire to fill in: the client's booking email lists it.
type ToDo struct {
	// Text says what to do: "Fill in “Before we start”".
	Text string
	// URL is where to do it; "" when the server's address is unknown.
	URL string
}

// BookingHook is told of a client's booking from a session type (BookSlot,
// BookPublic) in the transaction that writes it: after the appointment is
// written, before its emails are queued. It may write through q, in that
// same transaction; an error undoes the booking whole. The ToDos it
// returns go in the client's booking email. Package intake's Service.Booked
// is the one the server sets, so that a session type can ask its client to
// fill in a questionnaire without this package knowing of questionnaires.
type BookingHook func(ctx context.Context, q Records, appt *Appointment, st *SessionType) ([]ToDo, error)

// booked runs the service's booking hook, if it has one.
func (s *Service) booked(ctx context.Context, q Records, appt *Appointment, st *SessionType) ([]ToDo, error) {
	if s.OnBooking == nil {
		return nil, nil
	}
	return s.OnBooking(ctx, q, appt, st)
}
