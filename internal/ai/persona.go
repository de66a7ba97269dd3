package ai

import (
	"fmt"
	"strings"

	"rapport/internal/coaching"
)

// roles tells the model who is who; it opens every system prompt.
const roles = "You are the AI co-coach in a live coaching session between %s (the coach) and %s (the client)."

// DefaultPersona is how the co-coach works in a session unless the coach
// has written their own (the settings page shows it as the example).
const DefaultPersona = "You support the coach: you answer briefly and warmly, in plain language, in a few sentences, without lists unless asked."

// coachIntro introduces the coach's own persona, so that the model reads
// it as the coach's instructions.
const coachIntro = "The coach's instructions for how you work with their clients:\n"

// safety always closes the persona, after whatever the coach wrote: the
// limits of what an AI in a coaching session may do are not the coach's
// to lift.
const safety = `Whatever the instructions above say, these rules always hold:
You never diagnose, never give medical, legal or financial advice, and you hand anything serious back to the coach.
When you do not know, you say so.`

// styles are the sentences each coaching.AIStyles value adds.
var styles = map[string]string{
	coaching.AIStyleWarm:     "Be warm and encouraging, and take what the client feels seriously.",
	coaching.AIStyleDirect:   "Be direct and concrete: say what you think in a sentence or two.",
	coaching.AIStyleSocratic: "Mostly ask one good question that helps the client think, rather than giving answers.",
	coaching.AIStyleBrief:    "Keep every answer to one or two short sentences.",
}

// personaPrompt is the opening of the system prompt: who is who, the
// coach's persona (clipped to maxBytes) or the default, the style's
// sentence, then the safety rules.
func personaPrompt(coach, client string, p coaching.AIPersona, maxBytes int) string {
	var b strings.Builder
	fmt.Fprintf(&b, roles, coach, client)
	b.WriteString("\n")
	if own := strings.TrimSpace(p.Persona); own != "" {
		b.WriteString(coachIntro + clip(own, maxBytes) + "\n")
	} else {
		b.WriteString(DefaultPersona + "\n")
	}
	b.WriteString(styleSentence(p.Style) + "\n\n")
	b.WriteString(safety)
	return b.String()
}

// styleSentence is the sentence of a style; an empty or unknown one is warm.
func styleSentence(style string) string {
	if s, ok := styles[style]; ok {
		return s
	}
	return styles[coaching.AIStyleWarm]
}
