"""One router per resource: thin handlers (request model in, one service call, response model out)."""
