-- +goose Up

-- A delivered mail no longer keeps its body, attachments and headers: they
-- carried links that sign people in or act for them. The worker empties
-- them on delivery; this empties those of the mails delivered before.
UPDATE outbox SET body_text = '', headers = '{}', attachments = '[]' WHERE status = 'sent';

-- +goose Down
-- The bodies are gone for good; nothing to undo.
SELECT 1;
