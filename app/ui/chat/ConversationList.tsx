import { useState } from 'react';

/** What the list needs of a conversation (a subset of the `conversations` table's rows). */
export interface ConversationListItem {
  id: string;
  title: string;
  /** Epoch ms of the last turn or rename. */
  updatedAt: number;
}

interface ConversationListProps {
  /** In the order to show them (most recent first, as the caller sorts them). */
  conversations: readonly ConversationListItem[];
  activeId: string | null;
  onSelect: (id: string) => void;
  onNew: () => void;
  /** Called with the trimmed, non-empty new title. */
  onRename: (id: string, title: string) => void;
  /** Called only after the user confirmed. */
  onDelete: (id: string) => void;
  /** What deleting a chat does and does not remove, shown in the confirmation. */
  deleteNote?: string;
  /** While a turn is running, switching and deleting wait. */
  disabled?: boolean;
}

function when(at: number): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

type Mode = { kind: 'view' } | { kind: 'rename'; id: string; draft: string } | { kind: 'confirm-delete'; id: string };

/** The chats: open one, start a new one, rename one in place, delete one after a confirmation. */
export function ConversationList({ conversations, activeId, onSelect, onNew, onRename, onDelete, deleteNote, disabled = false }: ConversationListProps) {
  const [mode, setMode] = useState<Mode>({ kind: 'view' });
  const view = () => setMode({ kind: 'view' });

  function saveRename(id: string, draft: string) {
    const title = draft.trim();
    if (!title) return;
    onRename(id, title);
    view();
  }

  return (
    <nav className="conversation-list" aria-label="Conversations">
      <button type="button" onClick={onNew} disabled={disabled} data-testid="new-conversation">
        New chat
      </button>
      {conversations.length === 0 && <p className="note">No conversations yet.</p>}
      <ul>
        {conversations.map((c) => {
          const active = c.id === activeId;
          if (mode.kind === 'rename' && mode.id === c.id) {
            return (
              <li key={c.id} className={active ? 'active' : undefined}>
                <form
                  className="row"
                  onSubmit={(e) => {
                    e.preventDefault();
                    saveRename(c.id, mode.draft);
                  }}
                >
                  <input
                    aria-label={`New name for ${c.title}`}
                    value={mode.draft}
                    // biome-ignore lint/a11y/noAutofocus: the user just asked to rename this chat; typing goes here.
                    autoFocus
                    onChange={(e) => setMode({ ...mode, draft: e.target.value })}
                    onKeyDown={(e) => {
                      if (e.key === 'Escape') view();
                    }}
                  />
                  <button type="submit" disabled={!mode.draft.trim()}>
                    Save
                  </button>
                  <button type="button" onClick={view}>
                    Cancel
                  </button>
                </form>
              </li>
            );
          }
          if (mode.kind === 'confirm-delete' && mode.id === c.id) {
            return (
              <li key={c.id} className={active ? 'active' : undefined}>
                <div role="alertdialog" aria-label={`Delete ${c.title}?`} className="confirm">
                  <p>
                    Delete “{c.title}”? {deleteNote ?? 'Its messages are removed for good.'}
                  </p>
                  <button
                    type="button"
                    className="danger"
                    disabled={disabled}
                    onClick={() => {
                      onDelete(c.id);
                      view();
                    }}
                  >
                    Delete
                  </button>
                  <button type="button" onClick={view}>
                    Keep it
                  </button>
                </div>
              </li>
            );
          }
          return (
            <li key={c.id} className={active ? 'active' : undefined}>
              <button
                type="button"
                className="link conversation-title"
                aria-current={active ? 'page' : undefined}
                disabled={disabled && !active}
                onClick={() => onSelect(c.id)}
                title={`Last changed ${when(c.updatedAt)}`}
              >
                {c.title}
              </button>
              <button type="button" className="link" aria-label={`Rename ${c.title}`} onClick={() => setMode({ kind: 'rename', id: c.id, draft: c.title })}>
                Rename
              </button>
              <button
                type="button"
                className="link"
                aria-label={`Delete ${c.title}`}
                disabled={disabled}
                onClick={() => setMode({ kind: 'confirm-delete', id: c.id })}
              >
                Delete
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
