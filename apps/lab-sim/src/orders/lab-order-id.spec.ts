import { newLabOrderId } from './lab-order-id';

describe('lab order ids', () => {
  it('are LO- and 8 upper-case letters or digits', () => {
    for (let i = 0; i < 100; i++) expect(newLabOrderId()).toMatch(/^LO-[0-9A-HJKMNP-TV-Z]{8}$/);
  });

  it('are different every time', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => newLabOrderId()));
    expect(ids.size).toBe(5000);
  });
});
