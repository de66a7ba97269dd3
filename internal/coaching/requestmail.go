package coaching

// The emails of a booking request. A request carries no calendar
// invitation: it is not confirmed, and calendars handle a tentative
// iTIP REQUEST badly (Gmail and Outlook add it at once as an event to
// answer, and it then needs a CANCEL when the coach declines). So the
// invitation (METHOD:REQUEST, the appointment's UID and SEQUENCE) goes
// with the acceptance, and a declined or withdrawn request, which no
// calendar holds, needs no CANCEL.

// mailGoesTo reports whether an email of kind goes to the appointment's
// coach or client (role): a declined request is news to the client only.
func mailGoesTo(kind, role string) bool {
	return kind != MailDeclined || role == "client"
}

// requestEmail fills d for a request's email of kind, from by (who acted,
// as the recipient reads it: "You" or a name) with the start as short; it
// returns the method of the invitation to attach ("" for none) and false
// for a kind that is not a request's.
func requestEmail(d *apptMailData, kind, by, short string, toCoach bool) (method string, ok bool) {
	what := d.Title + " with " + d.Other + ", " + short
	switch kind {
	case MailRequested:
		d.Subject, d.Room, d.NoInvite = "Requested: "+what, "", true
		d.Lead = "You asked for a session: your request was sent, and it is confirmed once " + d.Other + " accepts it."
		if toCoach {
			d.Subject = "Request to accept or decline: " + what
			d.Lead, d.Answer = by+" asks for a session: accept or decline it.", d.Link
		}
	case MailAccepted:
		d.Subject, method = "Confirmed: "+what, InviteRequest
		d.Lead = by + " accepted the request: the session is confirmed."
	case MailDeclined:
		d.Subject, d.Cancelled, d.NoInvite = "Declined: "+what, true, true
		d.Lead = by + " declined the request for a session."
	case MailWithdrawn:
		d.Subject, d.Cancelled, d.NoInvite = "Withdrawn: "+what, true, true
		d.Lead = by + " withdrew the request for a session."
	default:
		return "", false
	}
	return method, true
}
