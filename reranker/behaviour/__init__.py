"""What shoppers do, stored and learned from: the event log, the profiles, consent and privacy.

`store.BehaviourStore` is the entry point; it composes the `EventLog` (events as they arrived), the
`ProfileStore` (one profile document per user or session, which also holds the consent record),
the `ProfileLearner` (events -> profile updates) and the privacy operations (export, erasure).
"""
