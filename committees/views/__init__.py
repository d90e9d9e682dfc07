"""The committees pages: committees and meetings, partner units and the three lists,
activities and volunteer teams, and the public board."""
