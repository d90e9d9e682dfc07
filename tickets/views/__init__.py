"""Ticket pages: staff desk (staff.py), phone (mobile.py), the public self-report and tracking
pages (public.py) and the KPI dashboard (dashboard.py)."""
