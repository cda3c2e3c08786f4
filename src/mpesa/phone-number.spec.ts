import { maskPhoneNumber, normalizePhoneNumber } from './phone-number';

describe('normalizePhoneNumber', () => {
  it.each([
    ['254708374149', '254708374149'],
    ['0708374149', '254708374149'],
    ['708374149', '254708374149'],
    ['+254708374149', '254708374149'],
    ['+254 708 374 149', '254708374149'],
    ['0708-374-149', '254708374149'],
    [' 0708 374149 ', '254708374149'],
    ['0110123456', '254110123456'],
    ['110123456', '254110123456'],
    ['254110123456', '254110123456'],
    ['+254-110-123-456', '254110123456'],
  ])('accepts %p as %s', (input, expected) => {
    expect(normalizePhoneNumber(input)).toBe(expected);
  });

  it.each([
    [''],
    ['abc'],
    ['0208374149'], // landline prefix
    ['254208374149'],
    ['25470837414'], // one digit short
    ['2547083741490'], // one digit long
    ['07083741490'],
    ['0708 37414'],
    ['++254708374149'],
    ['255708374149'], // Tanzania
    ['0708.374.149'],
    ['(0708) 374149'],
    ['254 708 374 14x'],
  ])('rejects %p', (input) => {
    expect(normalizePhoneNumber(input)).toBeNull();
  });
});

describe('maskPhoneNumber', () => {
  it('keeps only the last three digits', () => {
    expect(maskPhoneNumber('254708374149')).toBe('*********149');
    expect(maskPhoneNumber('12')).toBe('***');
  });
});
