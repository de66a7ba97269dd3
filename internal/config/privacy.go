package config

// Privacy is who may read what a practice's coaches keep private.
type Privacy struct {
	// NotesAdmins lets the admins read every coach's private notes
	// (never change them); off, only the coach who wrote a note reads it.
	NotesAdmins bool
}

// privacySettings are the environment variables of Privacy.
var privacySettings = []Setting{
	{Name: "PRIVATE_NOTES_ADMINS", Default: "false", Help: "true lets the practice's admins read the coaches' private notes about their clients (never change them; every read is in the audit log); false keeps each note its coach's alone"},
}

// privacy reads the Privacy settings.
func (r *reader) privacy() Privacy {
	return Privacy{NotesAdmins: r.boolean("PRIVATE_NOTES_ADMINS")}
}
