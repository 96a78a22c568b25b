"""Briefing packs: print-ready PDFs for a partnership, a theme and the region."""
