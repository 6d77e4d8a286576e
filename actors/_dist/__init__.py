"""Distribution: named nodes in separate OS processes, with thespian as the engine between them."""
