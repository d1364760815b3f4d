"""Trainers: one module per model (settings dataclass, fit, save/load); no numeric loops here."""
