import { scenarioForPhone } from './simulator-scenarios';

describe('scenarioForPhone', () => {
  it.each([
    ['254708374149', 'success', 0],
    ['254712345678', 'success', 0],
    ['254110000101', 'success', 0], // a 2541 number is never a scenario number
    ['254700000000', 'success', 0],
    ['254700000999', 'success', 0], // unused code
    ['254700000101', 'insufficient-funds', 1],
    ['254700000102', 'cancelled', 1032],
    ['254700000103', 'unreachable', 1037],
    ['254700000104', 'wrong-pin', 2001],
    ['254700000105', 'expired', 1019],
    ['254700000108', 'operator-missing', 'SFC_IC0003'],
    ['254700000205', 'failure-callback-never-sent', 1032],
  ])('%s is %s', (phone, name, resultCode) => {
    expect(scenarioForPhone(phone)).toMatchObject({ name, resultCode });
  });

  it('decodes refusal numbers 3KN: kind K, N refusals, N = 0 forever', () => {
    expect(scenarioForPhone('254700000312').refusal).toMatchObject({ errorCode: '500.003.02', times: 2, errorMessage: 'Error Occurred: Spike Arrest Violation' });
    expect(scenarioForPhone('254700000321').refusal).toMatchObject({ errorCode: '500.003.02', times: 1, errorMessage: expect.stringMatching(/System is busy/) });
    expect(scenarioForPhone('254700000331').refusal).toMatchObject({ errorCode: '500.001.1001', times: 1 });
    expect(scenarioForPhone('254700000340').refusal).toMatchObject({ errorCode: '500.003.03', times: 0 });
    expect(scenarioForPhone('254700000361').refusal).toBeNull();
  });

  it('marks the fault numbers', () => {
    expect(scenarioForPhone('254700000201').callback).toBe('never');
    expect(scenarioForPhone('254700000205').callback).toBe('never');
    expect(scenarioForPhone('254700000501').answer).toBe('never');
    expect(scenarioForPhone('254700000602')).toMatchObject({ processingForm: 'result-4999', slowPrompt: true });
  });
});

describe('composed numbers 2547001RSFxx', () => {
  it('combines an outcome, spike-arrest refusals and one fault', () => {
    expect(scenarioForPhone('254700100042')).toMatchObject({ name: 'success', resultCode: 0, refusal: null, callback: 'none', answer: 'none' });
    expect(scenarioForPhone('254700122107')).toMatchObject({
      name: 'cancelled+spike-arrest-x2+callback-never-sent',
      resultCode: 1032,
      refusal: { errorCode: '500.003.02', errorMessage: 'Error Occurred: Spike Arrest Violation', times: 2 },
      callback: 'never',
      answer: 'none',
    });
    expect(scenarioForPhone('254700101299')).toMatchObject({ name: 'success+spike-arrest-x1+callback-sent-twice', callback: 'twice' });
    expect(scenarioForPhone('254700100400')).toMatchObject({ callback: 'before-answer', answer: 'none' });
    expect(scenarioForPhone('254700100500')).toMatchObject({ name: 'success+answer-never-sent', callback: 'none', answer: 'never' });
    expect(scenarioForPhone('254700190600')).toMatchObject({ resultCode: 8006, answer: 'late' });
    expect(scenarioForPhone('254700100300')).toMatchObject({ callback: 'late' });
    expect(scenarioForPhone('254700100700')).toMatchObject({ name: 'success+query-says-cancelled+callback-late', queryLiesCancelled: true, callback: 'late', answer: 'none' });
    expect(scenarioForPhone('254700100800')).toMatchObject({ name: 'success+callback-after-expiry', slowPrompt: true, callback: 'after-expiry', answer: 'none' });
  });

  it('leaves every other number as it was', () => {
    expect(scenarioForPhone('25470010090').name).toBe('success'); // 11 digits: not composed
    expect(scenarioForPhone('254700100900')).toMatchObject({ name: 'success+answer-and-callback-never-sent', answer: 'never', callback: 'never' });
    expect(scenarioForPhone('254700200000').name).toBe('success');
    expect(scenarioForPhone('254700000501').name).toBe('answer-never-sent');
    expect(scenarioForPhone('254700000312').refusal).toMatchObject({ times: 2 });
  });
});
