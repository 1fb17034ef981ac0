-- Where a staff member's calendar is kept: the sites of the open conferences they take
-- part in (services/conference/service.py, ConferenceServicer._calendar).
CREATE INDEX participants_staff ON participants (staff_id) WHERE staff_id IS NOT NULL;
