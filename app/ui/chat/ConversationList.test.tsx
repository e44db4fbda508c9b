import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConversationListItem } from './ConversationList';
import { ConversationList } from './ConversationList';

afterEach(cleanup);

const chats: ConversationListItem[] = [
  { id: 'c2', title: 'Trip to Lisbon', updatedAt: Date.UTC(2026, 11, 5, 18) },
  { id: 'c1', title: 'My pets', updatedAt: Date.UTC(2026, 11, 1, 9) },
];

function setup(overrides: Partial<Parameters<typeof ConversationList>[0]> = {}) {
  const props = {
    conversations: chats,
    activeId: 'c2',
    onSelect: vi.fn(),
    onNew: vi.fn(),
    onRename: vi.fn(),
    onDelete: vi.fn(),
    ...overrides,
  };
  render(<ConversationList {...props} />);
  return { props, user: userEvent.setup() };
}

describe('ConversationList', () => {
  it('lists the chats in the given order, marks the open one, opens another and starts a new one', async () => {
    const { props, user } = setup();
    const titles = screen.getAllByRole('button', { name: /^(Trip to Lisbon|My pets)$/ });
    expect(titles.map((b) => b.textContent)).toEqual(['Trip to Lisbon', 'My pets']);
    expect(titles[0]!.getAttribute('aria-current')).toBe('page');
    expect(titles[1]!.getAttribute('aria-current')).toBeNull();
    await user.click(titles[1]!);
    expect(props.onSelect).toHaveBeenCalledWith('c1');
    await user.click(screen.getByRole('button', { name: 'New chat' }));
    expect(props.onNew).toHaveBeenCalledTimes(1);
  });

  it('renames in place: Enter saves the trimmed title, Escape and Cancel keep the old one, an empty title cannot be saved', async () => {
    const { props, user } = setup();
    await user.click(screen.getByRole('button', { name: 'Rename My pets' }));
    const input = screen.getByRole('textbox', { name: 'New name for My pets' });
    expect(document.activeElement).toBe(input);
    await user.clear(input);
    expect(screen.getByRole('button', { name: 'Save' })).toHaveProperty('disabled', true);
    await user.type(input, '   {Enter}');
    expect(props.onRename).not.toHaveBeenCalled();
    await user.type(input, 'Buddy and Tom  {Enter}');
    expect(props.onRename).toHaveBeenCalledWith('c1', 'Buddy and Tom');
    expect(screen.queryByRole('textbox')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Rename Trip to Lisbon' }));
    await user.type(screen.getByRole('textbox'), ' (old){Escape}');
    expect(screen.queryByRole('textbox')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Rename Trip to Lisbon' }));
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(props.onRename).toHaveBeenCalledTimes(1);
  });

  it('deletes only after the confirmation, which says what is removed; "Keep it" deletes nothing', async () => {
    const { props, user } = setup({ deleteNote: 'Memories made from it stay in the bank.' });
    await user.click(screen.getByRole('button', { name: 'Delete Trip to Lisbon' }));
    expect(props.onDelete).not.toHaveBeenCalled();
    const dialog = screen.getByRole('alertdialog', { name: 'Delete Trip to Lisbon?' });
    expect(dialog.textContent).toContain('Delete “Trip to Lisbon”? Memories made from it stay in the bank.');
    await user.click(screen.getByRole('button', { name: 'Keep it' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(props.onDelete).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Delete Trip to Lisbon' }));
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    expect(props.onDelete).toHaveBeenCalledWith('c2');
  });

  it('while a turn runs, new, delete and switching to another chat wait; an empty list says so', () => {
    setup({ disabled: true });
    expect(screen.getByRole('button', { name: 'New chat' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'Delete My pets' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'My pets' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'Trip to Lisbon' })).toHaveProperty('disabled', false);
    cleanup();
    setup({ conversations: [], activeId: null });
    expect(screen.getByText('No conversations yet.')).toBeDefined();
  });

  it('renders titles as text, never markup', () => {
    setup({ conversations: [{ id: 'x', title: '<img src=x onerror=alert(1)>', updatedAt: 0 }], activeId: 'x' });
    expect(document.querySelector('img')).toBeNull();
    expect(screen.getByRole('button', { name: '<img src=x onerror=alert(1)>' })).toBeDefined();
  });
});
