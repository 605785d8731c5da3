/**
 * The demo's supplier side of ЭДО Лайт: suppliers of the demo world send the demo organisation a
 * УПД (seller's title 5.03, СЧФДОП) for each receipt of the 1C demo base marked to come by EDO
 * (lib/emulators/demo-data.ts): «поступление по ЭДО», whose codes are the supplier's in ГИС МТ and
 * match the 1C receipt, and «поступление по ЭДО: чужой код», one of whose codes belongs to another
 * participant. The УПД number and date are the supplier's document as the 1C receipt records it
 * (`НомерВходящегоДокумента`, `ДатаВходящегоДокумента`, lib/emulators/onec/store.ts).
 */
import type { DemoWorld } from '../demo-data';
import type { EdoDocument, EdoEmulatorApi } from './routes';

/** The comments of the demo receipts that come by EDO. */
export const DEMO_INCOMING = ['поступление по ЭДО', 'поступление по ЭДО: чужой код'] as const;

/** The supplier's number of a demo receipt (as the 1C emulator writes `НомерВходящегоДокумента`). */
export function supplierNumber(number1c: string): string {
  return `ВХ-${number1c.slice(-3)}`;
}

/** Send the demo's incoming УПД (once per receipt: the same file name again is the same document). */
export function sendDemoIncoming(world: DemoWorld, edo: EdoEmulatorApi): EdoDocument[] {
  const out: EdoDocument[] = [];
  const org = world.organisation;
  for (const comment of DEMO_INCOMING) {
    const d = world.documents.find((x) => x.kind === 'purchase' && x.comment === comment);
    const seller = d && world.counterparties.find((c) => c.ref === d.counterpartyRef);
    if (!d || !seller) continue;
    const codes = world.codes.filter((c) => d.packageRefs.includes(c.ref));
    const items = new Map(world.items.map((i) => [i.ref, i]));
    const lines = d.rows.map((r) => {
      const item = items.get(r.itemRef);
      return {
        name: item?.name ?? '',
        okei: '796',
        unitName: 'шт',
        quantity: r.quantity,
        vatRate: item?.vatRate ?? 'НДС20',
        totalKop: Math.round(r.price * 100) * r.quantity,
        codes: codes.filter((c) => c.itemRef === r.itemRef).map((c) => c.cis),
      };
    });
    const pg = items.get(d.rows[0]?.itemRef ?? '')?.pg || undefined;
    out.push(
      edo.sendIncoming({
        function: 'СЧФДОП',
        number: supplierNumber(d.number),
        date: d.date.slice(0, 10),
        formedAt: new Date(),
        key: `demo-incoming:${d.ref}`,
        productGroup: pg,
        seller: {
          name: seller.name,
          inn: seller.inn,
          kpp: seller.kpp,
          address: 'г. Новосибирск, ул. Ленина, д. 1',
          edoId: edo.edoId(seller.inn),
        },
        buyer: {
          name: org.name,
          inn: org.inn,
          kpp: org.kpp,
          address: 'г. Москва, ул. Лесная, д. 5',
          edoId: edo.edoId(org.inn),
        },
        signer: { surname: 'Петров', firstName: 'Пётр', position: 'Директор' },
        lines,
      }),
    );
  }
  return out;
}
