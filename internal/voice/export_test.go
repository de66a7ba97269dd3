package voice

// InSFU reports whether the agent has joined the SFU: from then on it
// receives each track published in the room from its first packet.
func (a *Agent) InSFU() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.peer != nil
}

// Speaking reports whether an answer of the agent's may still send a
// frame.
func (a *Agent) Speaking() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.speaking != nil
}
