-- Run when some reports found no subject: one another worker added while place.sql ran is
-- invisible to that statement's snapshot (the insert waited for it, then skipped it); this
-- statement's fresh snapshot sees it.
INSERT INTO placed (seq, subject_id)
SELECT s.seq, sub.id FROM staging s JOIN subject sub ON sub.kind = s.kind AND sub.key = s.key
WHERE NOT EXISTS (SELECT 1 FROM placed p WHERE p.seq = s.seq);
