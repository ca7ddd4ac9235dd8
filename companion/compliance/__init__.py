"""The evidence pack: what an organisation hands its works council and data-protection officer."""
