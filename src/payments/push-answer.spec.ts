import { decidePushAnswer } from './push-answer';

describe('decidePushAnswer', () => {
  const id = 'ws_CO_1';

  it.each(['sending', 'indeterminate', 'queued', 'abandoned'] as const)('stores the answer of a pending payment whose push is %s', (pushState) => {
    expect(decidePushAnswer({ status: 'pending', pushState, stkRequestId: null }, id, null)).toEqual({ kind: 'store', pushState: 'accepted', countAccepted: true, scheduleQuery: true });
  });

  it.each(['failed', 'completed'] as const)('stores the ids of a %s payment without scheduling a query', (status) => {
    expect(decidePushAnswer({ status, pushState: 'indeterminate', stkRequestId: null }, id, null)).toEqual({ kind: 'store', pushState: 'accepted', countAccepted: true, scheduleQuery: false });
  });

  it('finishes a push whose id a callback taught us, counting it once', () => {
    expect(decidePushAnswer({ status: 'completed', pushState: 'indeterminate', stkRequestId: id }, id, null)).toMatchObject({ kind: 'store', countAccepted: true });
    expect(decidePushAnswer({ status: 'pending', pushState: 'accepted', stkRequestId: id }, id, null)).toEqual({ kind: 'known' });
  });

  it('never overwrites another id, nor takes one another payment holds', () => {
    expect(decidePushAnswer({ status: 'pending', pushState: 'indeterminate', stkRequestId: 'ws_CO_2' }, id, null).kind).toBe('conflict');
    expect(decidePushAnswer({ status: 'pending', pushState: 'sending', stkRequestId: null }, id, 'p2').kind).toBe('conflict');
  });
});
